from django.utils.translation import gettext_lazy as _
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """``page`` and ``pageSize``; body ``count``, ``next``, ``previous``, ``results``."""

    page_query_param = "page"
    page_size_query_param = "pageSize"
    max_page_size = 500
    invalid_page_message = _("This page does not exist.")
