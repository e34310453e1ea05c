import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0003_board_sorts_and_bid_tracking'),
    ]

    operations = [
        migrations.AddField(
            model_name='manualversion',
            name='updated_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
