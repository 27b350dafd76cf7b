from django.urls import path

from pages import views

urlpatterns = [
    path('', views.index),
    path('notes/<slug:name>', views.save_note),
]
