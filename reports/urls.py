from django.urls import path

from reports import dashboard_views, dossier_views, export_views, import_views, views

app_name = "reports"

urlpatterns = [
    path("", dashboard_views.index, name="index"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("repeats/", dashboard_views.repeat_rates, name="repeat_rates"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("ledger/", export_views.ledger_export, name="ledger_export"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("dossiers/incomplete/", dossier_views.incomplete_dossiers, name="dossier_incomplete"),
    path("dossiers/filing/", dossier_views.dossier_filing, name="dossier_filing"),
    path("import/", import_views.ledger_import, name="ledger_import"),
    path(
        "import/template.xlsx",
        import_views.ledger_import_template,
        name="ledger_import_template",
    ),
]
