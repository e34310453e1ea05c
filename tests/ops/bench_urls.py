"""The site's URLs with the benchmark's own pages, as bench/run.py serves them."""

from django.urls import include, path

from marketplace.urls import urlpatterns as site

urlpatterns = [*site, path("", include("demo.urls"))]
