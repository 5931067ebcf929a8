"""Writes for the region's own administration. Each runs in one transaction and is audited."""

from __future__ import annotations

import secrets

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from inburgering.audit import acting_as
from inburgering.tenancy.models import (
    Membership,
    Municipality,
    Provider,
    RegionProvider,
    Role,
    Tenant,
    User,
    WorkerHeartbeat,
)


@transaction.atomic
def municipality_create(*, actor: User | None, tenant: Tenant, name: str, cbs_code: str) -> Municipality:
    municipality = Municipality(tenant=tenant, name=name.strip(), cbs_code=cbs_code.strip().upper())
    municipality.full_clean()
    with acting_as(actor):
        municipality.save()
    return municipality


@transaction.atomic
def municipality_update(*, actor: User | None, municipality: Municipality, name: str, cbs_code: str) -> Municipality:
    municipality.name = name.strip()
    municipality.cbs_code = cbs_code.strip().upper()
    municipality.full_clean()
    with acting_as(actor):
        municipality.save()
    return municipality


@transaction.atomic
def region_provider_link(
    *, actor: User | None, tenant: Tenant, kvk_number: str, name: str = "", has_quality_mark: bool = False
) -> RegionProvider:
    """Link a provider to the region by KvK number, registering the provider if it is new."""
    kvk_number = kvk_number.strip()
    with acting_as(actor):
        provider = Provider.objects.filter(kvk_number=kvk_number).first()
        if provider is None:
            if not name.strip():
                raise ValidationError({"name": _("This language provider is not known yet: fill in the name.")})
            provider = Provider(name=name.strip(), kvk_number=kvk_number, has_quality_mark=has_quality_mark)
            provider.full_clean()
            provider.save()
        link = RegionProvider.objects.filter(tenant=tenant, provider=provider).first()
        if link is None:
            link = RegionProvider(tenant=tenant, provider=provider)
            link.save()
        elif not link.is_active:
            link.is_active = True
            link.save()
        else:
            raise ValidationError({"kvk_number": _("%(name)s already works in this region.") % {"name": provider.name}})
    return link


@transaction.atomic
def region_provider_deactivate(*, actor: User | None, link: RegionProvider) -> RegionProvider:
    link.is_active = False
    with acting_as(actor):
        link.save(update_fields=["is_active"])
    return link


@transaction.atomic
def membership_create(
    *,
    actor: User | None,
    user: User,
    role: str,
    tenant: Tenant | None = None,
    municipality: Municipality | None = None,
    provider: Provider | None = None,
) -> Membership:
    existing = Membership.objects.filter(
        user=user, role=role, tenant=tenant, municipality=municipality, provider=provider
    ).first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError(_("This user already has this role here."))
        existing.is_active = True
        with acting_as(actor):
            existing.save(update_fields=["is_active"])
        return existing
    membership = Membership(user=user, role=role, tenant=tenant, municipality=municipality, provider=provider)
    membership.full_clean(validate_constraints=False)
    with acting_as(actor):
        membership.save()
    return membership


@transaction.atomic
def membership_change_role(
    *, actor: User | None, membership: Membership, role: str, municipality: Municipality | None
) -> Membership:
    if role == Role.PROVIDER_STAFF:
        raise ValidationError({"role": _("Language provider staff are added through the language provider.")})
    membership.role = role
    membership.municipality = municipality if role == Role.CASE_MANAGER else None
    membership.full_clean(validate_constraints=False)
    duplicate = (
        Membership.objects.filter(
            user=membership.user, role=role, tenant=membership.tenant, municipality=membership.municipality
        )
        .exclude(pk=membership.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError(_("This user already has this role here."))
    with acting_as(actor):
        membership.save()
    return membership


@transaction.atomic
def membership_set_active(*, actor: User | None, membership: Membership, is_active: bool) -> Membership:
    membership.is_active = is_active
    with acting_as(actor):
        membership.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def user_invite(
    *,
    actor: User | None,
    tenant: Tenant,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    municipality: Municipality | None = None,
) -> tuple[User, Membership, str | None]:
    """Create (or reuse) a user and give them a role in the region.

    Returns the set-password path for a new user, to hand over; existing users keep their password.
    """
    username = username.strip()
    user = User.objects.filter(username__iexact=username).first()
    invite_path = None
    with acting_as(actor):
        if user is None:
            user = User(
                username=username,
                email=email.strip(),
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()
            invite_path = set_password_path(user)
    membership = membership_create(actor=actor, user=user, role=role, tenant=tenant, municipality=municipality)
    return user, membership, invite_path


def set_password_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_set", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


@transaction.atomic
def user_create_with_password(
    *,
    actor: User | None,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_password(password)
    with acting_as(actor):
        user.save()
    return user


def worker_heartbeat_record(*, name: str, detail: str = "") -> WorkerHeartbeat:
    beat, _created = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"last_seen": timezone.now(), "detail": detail[:255]}
    )
    return beat


def random_password() -> str:
    return secrets.token_urlsafe(16)
