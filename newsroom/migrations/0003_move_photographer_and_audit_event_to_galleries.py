from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('newsroom', '0002_comments_reports_votes_bans_word_rules'),
        ('galleries', '0005_move_photographer_and_audit_event'),
    ]

    operations = [
        # The tables stay where they are, now galleries' (galleries 0005 says so and moves the content types).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name='auditevent',
                    name='newsroom_au_target__cba034_idx',
                ),
                migrations.RemoveField(
                    model_name='auditevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='auditevent',
                    name='target_type',
                ),
                migrations.DeleteModel(
                    name='Photographer',
                ),
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
            ],
            database_operations=[],
        ),
    ]
