import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ["photographer", "auditevent"]


def move_content_types(apps, schema_editor, *, source="newsroom", target="galleries"):
    # The content type moves with the model, so its permissions (and every group and user holding them), the
    # audit rows about photographers and the admin's log entries keep pointing at it.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    AuditEvent = apps.get_model("galleries", "AuditEvent")
    db = schema_editor.connection.alias
    for model in MOVED:
        old = ContentType.objects.using(db).filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.using(db).filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        # Both exist (permissions were created for the new label before this ran): keep the new one and
        # give its permissions every holder of the old ones.
        for permission in Permission.objects.using(db).filter(content_type=old):
            twin = Permission.objects.using(db).filter(content_type=new, codename=permission.codename).first()
            if twin is None:
                permission.content_type = new
                permission.save(update_fields=["content_type"])
                continue
            twin.group_set.add(*permission.group_set.all())
            twin.user_set.add(*permission.user_set.all())
        AuditEvent.objects.using(db).filter(target_type=old).update(target_type=new)
        old.delete()
    ContentType.objects.clear_cache()


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="galleries", target="newsroom")


class Migration(migrations.Migration):
    """Photographer and AuditEvent move from newsroom to galleries, which owns the content and its audit.

    Only Django's idea of where they live changes: the tables keep their names and rows (see their Meta).
    """

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('galleries', '0004_reader_votes_and_day_stats'),
        ('newsroom', '0002_comments_reports_votes_bans_word_rules'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Photographer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('slug', models.SlugField(max_length=200, unique=True)),
                        ('bio', models.TextField(blank=True)),
                        ('portrait', models.ImageField(blank=True, upload_to='portraits/')),
                        ('website', models.URLField(blank=True)),
                        ('instagram', models.CharField(blank=True, help_text='Handle, without the @.', max_length=100)),
                        ('social_links', models.TextField(blank=True, help_text='Other profile URLs, one a line.')),
                        ('agency', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='photographer', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'newsroom_photographer',
                        'ordering': ['name'],
                    },
                ),
                migrations.AlterField(
                    model_name='photo',
                    name='photographer',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='photos', to='galleries.photographer'),
                ),
                migrations.AlterField(
                    model_name='gallery',
                    name='photographers',
                    field=models.ManyToManyField(blank=True, related_name='galleries', to='galleries.photographer'),
                ),
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(db_index=True, max_length=64)),
                        ('target_id', models.CharField(blank=True, max_length=64)),
                        ('target_repr', models.CharField(blank=True, max_length=300)),
                        ('from_state', models.CharField(blank=True, max_length=32)),
                        ('to_state', models.CharField(blank=True, max_length=32)),
                        ('note', models.TextField(blank=True)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('target_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='contenttypes.contenttype')),
                    ],
                    options={
                        'db_table': 'newsroom_auditevent',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['target_type', 'target_id'], name='newsroom_au_target__cba034_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
