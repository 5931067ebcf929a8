from inburgering.tenancy.models import Role

# Who reads contracts (provider staff: only their own, by scope) and who changes them.
CONTRACT_READERS = (Role.CONTRACT_MANAGER, Role.POLICY_VIEWER, Role.TENANT_ADMIN, Role.PROVIDER_STAFF)
CONTRACT_WRITERS = (Role.CONTRACT_MANAGER,)
