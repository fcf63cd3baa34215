from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0004_database_guards')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AllianceMember',
            index=Index(fields=['community_id', 'status']),
        ),
    ]
