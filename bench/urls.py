"""The product's URLs plus the benchmark's baseline view; mounted only when CE_BENCH_URLS=1 (settings.py)."""
from django.urls import path

from conduct_eval.urls import urlpatterns as product

from .views import one_insert

urlpatterns = [path("bench/one-insert/", one_insert), *product]
