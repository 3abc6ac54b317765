from ninja import NinjaAPI

api = NinjaAPI(title="履职通 API", version="1", urls_namespace="api")
