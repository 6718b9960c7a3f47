"""One session of each number per standing body (the "5th Meeting" is one engagement)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0013_name_search_and_deal_rules"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="engagement",
            constraint=models.UniqueConstraint(
                fields=("body", "session_number"),
                name="engagement_session_once",
                violation_error_message=(
                    "This standing body already has a session with this number: each number "
                    "(the “5th Meeting”) is one session of one body."
                ),
            ),
        ),
    ]
