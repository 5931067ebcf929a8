"""Benchmark: latency of scoped list endpoints with many tenants in the database.

Builds N regions (each with municipalities, providers and users) in a throwaway SQLite or the
DATABASE_URL database, then times GET /api/v1/gemeenten and GET / for one tenant's users. Prints
median and p95 per endpoint. Not part of the test run; figures go into README.md.

    .venv/bin/python bench/scoped_api.py --tenants 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bulk_learners(tenant, municipalities, contract, count: int, seed: int) -> None:
    """Learners with an open trajectory, bulk-created (the BSN encrypted as the service does)."""
    from learning_routes.bsn import bsn_lookup_hash, encrypt_bsn, passes_elfproef
    from learning_routes.models import Learner, Trajectory

    learners = []
    number = 100_000_000 + seed * 100_000
    while len(learners) < count:
        number += 1
        bsn = f"{number:09d}"
        if not passes_elfproef(bsn):
            continue
        index = len(learners)
        learners.append(
            Learner(
                tenant=tenant,
                municipality=municipalities[index % len(municipalities)],
                bsn_encrypted=encrypt_bsn(bsn),
                bsn_hash=bsn_lookup_hash(bsn),
                learner_number=f"B{seed:03d}{index:04d}"[-8:],
                first_name="Test",
                last_name=f"Inburgeraar {index}",
                date_of_birth=date(1990, 1, 1),
                pip_date=date(2024, 1, 1),
                integration_term_start=date(2024, 1, 2),
                integration_term_end=date(2027, 1, 2),
            )
        )
    Learner.unscoped.bulk_create(learners)
    Trajectory.unscoped.bulk_create(
        Trajectory(
            tenant=tenant,
            learner=learner,
            contract=contract,
            route="b1",
            status="actief",
            start_date=date(2026, 2, 1),
            dagdelen_per_week=4,
        )
        for learner in Learner.unscoped.filter(tenant=tenant)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--municipalities", type=int, default=10, help="per tenant")
    parser.add_argument("--contracts", type=int, default=5, help="per tenant")
    parser.add_argument("--learners", type=int, default=100, help="per tenant (bulk-created)")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        scratch = tempfile.mkdtemp(prefix="bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
        os.environ["VAR_DIR"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inburgering.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from contracts.services import contract_create
    from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, Tenant, User
    from inburgering.tenancy.scoping import Grant, scope

    started = time.perf_counter()
    users = []
    for t in range(args.tenants):
        tenant = Tenant.objects.create(name=f"Regio {t}", slug=f"regio-{t}")
        Municipality.unscoped.bulk_create(
            Municipality(tenant=tenant, name=f"Gemeente {t}-{m}", cbs_code=f"GM{m:04d}")
            for m in range(args.municipalities)
        )
        provider = Provider.objects.create(name=f"Taalschool {t}", kvk_number=f"{20000000 + t}")
        RegionProvider.unscoped.create(tenant=tenant, provider=provider)
        user = User.objects.create(username=f"beheer{t}")
        Membership.objects.create(user=user, tenant=tenant, role=Role.TENANT_ADMIN)
        Membership.objects.create(user=user, tenant=tenant, role=Role.CONTRACT_MANAGER)
        users.append(user)
        with scope([Grant(tenant_id=tenant.pk)]):
            municipalities = list(Municipality.objects.all())
            for c in range(args.contracts):
                contract = contract_create(
                    actor=None,
                    tenant=tenant,
                    municipalities=municipalities[c : c + 2] or municipalities[:1],
                    provider=provider,
                    reference=f"R{t}-{c}",
                    title=f"Contract {c}",
                    start_date=date(2026, 1, 1),
                    end_date=date(2027, 12, 31),
                    status="concept",
                    hourly_rate=Decimal("45"),
                    financing_model="uurtarief",
                )
            _bulk_learners(tenant, municipalities, contract, args.learners, t)
    print(
        f"data: {args.tenants} regio's x {args.municipalities} gemeenten x {args.contracts} contracten "
        f"x {args.learners} inburgeraars "
        f"in {time.perf_counter() - started:.1f} s ({connection.vendor})"
    )

    client = Client()
    user = users[len(users) // 2]
    client.force_login(user)
    from contracts.models import Contract

    own = Contract.unscoped.filter(tenant__memberships__user=user).order_by("pk").first()
    urls = ["/api/v1/gemeenten", "/beheer/gemeenten", "/", "/contracten", "/api/v1/contracten"]
    if own is not None:
        urls.append(f"/contracten/{own.pk}")
    from learning_routes.models import Learner

    learner = Learner.unscoped.filter(tenant=own.tenant).order_by("pk").first() if own else None
    urls += ["/inburgeraars", "/trajecten", "/termijnbewaking", "/api/v1/inburgeraars", "/api/v1/trajecten"]
    if learner is not None:
        urls.append(f"/inburgeraars/{learner.pk}")
    for url in urls:
        client.get(url)
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{url:<22} mediaan {statistics.median(timings):6.1f} ms   p95 {p95:6.1f} ms   ({args.repeat}x)")


if __name__ == "__main__":
    main()
