"""The web API: every record and every analysis as JSON under /api/, with the pages' own filter
sets, the admin's permissions and validation, and an OpenAPI schema (README, "Web API").

Adding a model costs a serializer (serializers.py) and a viewset registered on the router
(urls.py); its filters, sorting, paging, permissions and history follow from what it declares.
"""
