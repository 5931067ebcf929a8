from django.utils.functional import SimpleLazyObject

from inburgering.navigation import NAVIGATION, NAVIGATION_COUNTS
from inburgering.tenancy.models import Role
from notifications.selectors import unread_count


def tenancy(request):
    context = getattr(request, "tenancy", None)
    if context is None or not request.user.is_authenticated:
        return {"navigation": []}
    items = []
    for label, url_name, roles in NAVIGATION:
        if roles is None or context.roles.intersection(roles):
            item = {"label": label, "url_name": url_name}
            if url_name in NAVIGATION_COUNTS:
                count, count_label = NAVIGATION_COUNTS[url_name]
                # Lazy, like the unread count: one COUNT query when the menu is rendered.
                item.update(count=SimpleLazyObject(count), count_label=count_label)
            items.append(item)
    role_labels = sorted(str(Role(role).label) for role in context.roles)
    # Lazy: the one COUNT query runs only when a template shows it (the header), at most once.
    unread = SimpleLazyObject(lambda: unread_count(request.user))
    return {
        "navigation": items,
        "tenancy": context,
        "role_labels": role_labels,
        "unread_notification_count": unread,
    }
