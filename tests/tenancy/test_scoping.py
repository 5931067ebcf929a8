import pytest
from django.db.models import Q

from inburgering.tenancy.models import Municipality, RegionProvider
from inburgering.tenancy.scoping import Grant, Scope, ScopeError, scope, scope_q, scopes_disabled


def test_query_on_a_tenant_owned_model_without_a_scope_raises(world):
    with pytest.raises(ScopeError):
        list(Municipality.objects.all())
    with pytest.raises(ScopeError):
        RegionProvider.objects.filter(is_active=True).count()


def test_a_tenant_grant_shows_only_that_tenants_rows(world):
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        names = set(Municipality.objects.values_list("name", flat=True))
    assert names == {"Gemeente A1", "Gemeente A2"}


def test_a_provider_grant_shows_only_that_providers_links(world):
    grant = Grant(tenant_id=world.tenants["a"].pk, provider_id=world.providers["shared"].pk)
    with scope([grant]):
        providers = set(RegionProvider.objects.values_list("provider__name", flat=True))
        municipalities = Municipality.objects.count()
    assert providers == {"Taalschool Gedeeld"}
    assert municipalities == 2  # municipality names of the region are visible to its providers


def test_a_municipality_grant_narrows_to_that_municipality(world):
    grant = Grant(tenant_id=world.tenants["a"].pk, municipality_id=world.municipalities["a2"].pk)
    with scope([grant]):
        assert list(Municipality.objects.values_list("name", flat=True)) == ["Gemeente A2"]


def test_an_empty_scope_shows_nothing(world):
    with scope([]):
        assert Municipality.objects.count() == 0


def test_a_dimension_the_model_does_not_declare_shows_nothing():
    """Fail closed: a model that says nothing about providers is invisible to provider staff."""

    class Undeclared:
        scope_tenant_lookup = "tenant_id"
        scope_provider_lookup = None
        scope_municipality_lookup = None

    provider_scope = Scope(grants=(Grant(tenant_id=1, provider_id=7),))
    assert scope_q(Undeclared, provider_scope) == Q(pk__in=[])
    tenant_scope = Scope(grants=(Grant(tenant_id=1),))
    assert scope_q(Undeclared, tenant_scope) != Q(pk__in=[])


def test_scopes_disabled_is_explicit_and_ends_with_its_block(world):
    with scopes_disabled():
        assert Municipality.objects.count() == 4
    with pytest.raises(ScopeError):
        Municipality.objects.count()


def test_several_grants_combine(world):
    grants = [Grant(tenant_id=world.tenants["a"].pk), Grant(tenant_id=world.tenants["b"].pk)]
    with scope(grants):
        assert Municipality.objects.count() == 4
