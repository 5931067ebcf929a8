from inburgering.navigation import NAVIGATION
from inburgering.tenancy.models import Role


def tenancy(request):
    context = getattr(request, "tenancy", None)
    if context is None or not request.user.is_authenticated:
        return {"navigation": []}
    items = [
        {"label": label, "url_name": url_name}
        for label, url_name, roles in NAVIGATION
        if roles is None or context.roles.intersection(roles)
    ]
    role_labels = sorted(str(Role(role).label) for role in context.roles)
    return {"navigation": items, "tenancy": context, "role_labels": role_labels}
