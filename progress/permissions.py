"""Who may do what with checkpoints, level-change requests and extensions (guide 1.2: the
provider assesses and requests, the municipality's case manager decides)."""

from inburgering.tenancy.models import Role

# Policy viewers see aggregates only and absence coordinators work on absence, not on levels:
# neither reads these personal items. Provider staff are scoped to their own contracts.
REGION_FOLLOWERS = (Role.CASE_MANAGER, Role.CONTRACT_MANAGER, Role.TENANT_ADMIN)
CHECKPOINT_READERS = (Role.PROVIDER_STAFF, *REGION_FOLLOWERS)
CHECKPOINT_ASSESSORS = (Role.PROVIDER_STAFF,)
CHECKPOINT_REVIEWERS = (Role.CASE_MANAGER,)
LEVEL_CHANGE_READERS = (Role.PROVIDER_STAFF, *REGION_FOLLOWERS)
LEVEL_CHANGE_REQUESTERS = (Role.PROVIDER_STAFF,)
LEVEL_CHANGE_DECIDERS = (Role.CASE_MANAGER,)
EXTENSION_GRANTERS = (Role.CASE_MANAGER,)
