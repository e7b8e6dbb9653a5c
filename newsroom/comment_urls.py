from django.urls import path

from newsroom import views

app_name = "comments"

urlpatterns = [
    path("post/", views.post, name="post"),
    path("<int:pk>/", views.permalink, name="permalink"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/thread/", views.thread, name="thread"),
    path("<int:pk>/replies/", views.replies, name="replies"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
