from inburgering.tenancy.models import Role

# Who reads quarterly reports: the region's contract side and policy viewers (aggregates only), and
# provider staff — for them the scope opens only the reports shared with their organisation.
REPORT_READERS = (Role.CONTRACT_MANAGER, Role.POLICY_VIEWER, Role.TENANT_ADMIN, Role.PROVIDER_STAFF)
# Who makes reports on demand and shares them with the provider (guide 3: the contract manager).
REPORT_WRITERS = (Role.CONTRACT_MANAGER,)
# Dashboards: the contract manager per contract, the policy viewer across the region, providers their own.
DASHBOARD_READERS = REPORT_READERS
# The settlement with its lines (learner numbers): the region's contract side and the provider itself.
SETTLEMENT_READERS = (Role.CONTRACT_MANAGER, Role.TENANT_ADMIN, Role.PROVIDER_STAFF)
# The what-if simulator works on aggregates: the region's contract side and policy viewers.
SIMULATOR_USERS = (Role.CONTRACT_MANAGER, Role.POLICY_VIEWER, Role.TENANT_ADMIN)
SCENARIO_WRITERS = (Role.CONTRACT_MANAGER, Role.POLICY_VIEWER)
# The CBS delivery identifies learners (BSN): tenant admins and contract managers, every download audited.
CBS_EXPORTERS = (Role.TENANT_ADMIN, Role.CONTRACT_MANAGER)
