"""factory_boy factories. They write through the unscoped base manager: fixtures build the
world of several tenants at once, which no request scope may do."""

from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from inburgering.tenancy.models import Membership, Municipality, Provider, RegionProvider, Role, Tenant, User

PASSWORD = "test-wachtwoord-123"


@cache
def hashed_password() -> str:
    """Argon2 is slow on purpose; hash the shared test password once per run."""
    return make_password(PASSWORD)


class UnscopedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class._base_manager


class TenantFactory(UnscopedFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Regio {n}")
    slug = factory.Sequence(lambda n: f"regio-{n}")


class MunicipalityFactory(UnscopedFactory):
    class Meta:
        model = Municipality

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Gemeente {n}")
    cbs_code = factory.Sequence(lambda n: f"GM{n:04d}")


class ProviderFactory(UnscopedFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Taalschool {n}")
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n}")
    has_quality_mark = True


class RegionProviderFactory(UnscopedFactory):
    class Meta:
        model = RegionProvider

    tenant = factory.SubFactory(TenantFactory)
    provider = factory.SubFactory(ProviderFactory)


class UserFactory(UnscopedFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nl")
    password = factory.LazyFunction(hashed_password)


class MembershipFactory(UnscopedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.CONTRACT_MANAGER
