from inburgering.tenancy.models import Role

# Who works with learners' dossiers. Provider staff see trajectories only (their provider view).
LEARNER_READERS = (Role.CASE_MANAGER, Role.TENANT_ADMIN, Role.ABSENCE_COORDINATOR)
LEARNER_WRITERS = (Role.CASE_MANAGER, Role.TENANT_ADMIN)
# Trajectory lists: the region's roles above, contract managers (per contract) and provider staff.
TRAJECTORY_READERS = (*LEARNER_READERS, Role.CONTRACT_MANAGER, Role.PROVIDER_STAFF)
TERM_MONITORS = LEARNER_READERS


def may_reveal_bsn(tenancy, learner) -> bool:
    """Only a case manager of the learner's own municipality sees the whole BSN (audited)."""
    return tenancy.has_role(Role.CASE_MANAGER) and learner.municipality_id in tenancy.municipality_ids
