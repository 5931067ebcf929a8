from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """``page`` and ``pageSize``; body ``count``, ``next``, ``previous``, ``results``."""

    page_query_param = "page"
    page_size_query_param = "pageSize"
    max_page_size = 500
    invalid_page_message = "Deze pagina bestaat niet."
