from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

from core.storage.migration_ops import AddFieldWithDefault, AlterFieldKeepingReferences

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Alliance',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('created_by', fields.ForeignKeyField('core.Account', source_field='created_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'alliance', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AllianceMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('alliance', fields.ForeignKeyField('core.Alliance', source_field='alliance_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='alliances', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(max_length=16)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'alliance_member', 'app': 'core', 'unique_together': (('alliance', 'community'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BatchRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='batch_runs', on_delete=OnDelete.RESTRICT)),
                ('requested_by_id', fields.IntField(null=True)),
                ('period_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('period_end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('solver', fields.CharField(max_length=64)),
                ('inputs', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('result', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('seats_open', fields.IntField(default=0)),
                ('seats_filled', fields.IntField(default=0)),
                ('offers_made', fields.IntField(default=0)),
                ('duration_ms', fields.FloatField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'batch_run', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ExtraTime',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('core.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='extra_time', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('note', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'extra_time', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HoursEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('core.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='hours', on_delete=OnDelete.RESTRICT)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('offer', fields.ForeignKeyField('core.Offer', source_field='offer_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('line', fields.CharField(max_length=64)),
                ('worked_on', fields.DateField()),
                ('minutes', fields.IntField()),
                ('kind', fields.CharField(max_length=16)),
                ('status', fields.CharField(max_length=16)),
                ('note', fields.CharField(default='', max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_by_id', fields.IntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by_id', fields.IntField(null=True)),
            ],
            options={'table': 'hours_entry', 'app': 'core', 'indexes': [Index(fields=['community_id', 'worked_on'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('core.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=32)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.CharField(default='', max_length=1000)),
                ('request_id', fields.IntField(null=True)),
                ('offer_id', fields.IntField(null=True)),
                ('dedupe_key', fields.CharField(unique=True, max_length=64)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled', fields.BooleanField(default=False)),
            ],
            options={'table': 'notification', 'app': 'core', 'indexes': [Index(fields=['delivered_at', 'due_at']), Index(fields=['account_id', 'due_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Rating',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('offer', fields.OneToOneField('core.Offer', source_field='offer_id', db_constraint=True, to_field='id', related_name='rating', on_delete=OnDelete.RESTRICT)),
                ('request', fields.ForeignKeyField('core.ServiceRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.RESTRICT)),
                ('resident', fields.ForeignKeyField('core.Resident', source_field='resident_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.RESTRICT)),
                ('volunteer', fields.ForeignKeyField('core.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.RESTRICT)),
                ('community_id', fields.IntField()),
                ('line', fields.CharField(max_length=64)),
                ('stars', fields.SmallIntField()),
                ('comment', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rating', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SchedulerLease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('holder', fields.CharField(max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scheduler_lease', 'app': 'core', 'pk_attr': 'name'},
            bases=['Model'],
        ),
        AddFieldWithDefault(
            model_name='Building',
            name='grid',
            field=fields.CharField(default='', max_length=32),
            sql_default="''",
        ),
        AddFieldWithDefault(
            model_name='Community',
            name='settings',
            field=fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
            sql_default="'{}'",
        ),
        ops.AddField(
            model_name='Offer',
            name='batch_run_id',
            field=fields.IntField(null=True),
        ),
        AddFieldWithDefault(
            model_name='Offer',
            name='broadcast',
            field=fields.BooleanField(default=False),
            sql_default="FALSE",
        ),
        ops.AddField(
            model_name='Offer',
            name='completed_by_id',
            field=fields.IntField(null=True),
        ),
        AddFieldWithDefault(
            model_name='Offer',
            name='seat',
            field=fields.SmallIntField(default=0),
            sql_default="0",
        ),
        ops.AddField(
            model_name='Offer',
            name='seat_key',
            field=fields.CharField(null=True, unique=True, max_length=32),
        ),
        AddFieldWithDefault(
            model_name='ServiceRequest',
            name='declines',
            field=fields.SmallIntField(default=0),
            sql_default="0",
        ),
        AddFieldWithDefault(
            model_name='ServiceRequest',
            name='seat_skills',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
            sql_default="'[]'",
        ),
        AddFieldWithDefault(
            model_name='ServiceRequest',
            name='urgent',
            field=fields.BooleanField(default=False),
            sql_default="FALSE",
        ),
        ops.AddField(
            model_name='Volunteer',
            name='calendar_token_hash',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        AddFieldWithDefault(
            model_name='Volunteer',
            name='preferred_lines',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
            sql_default="'[]'",
        ),
        AddFieldWithDefault(
            model_name='VolunteerSkill',
            name='level',
            field=fields.SmallIntField(default=3),
            sql_default="3",
        ),
        ops.AddIndex(
            model_name='AvailabilityWindow',
            index=Index(fields=['weekday', 'start_minute', 'end_minute', 'volunteer_id']),
        ),
        ops.AddIndex(
            model_name='VolunteerSkill',
            index=Index(fields=['skill', 'volunteer_id']),
        ),
        AddFieldWithDefault(
            model_name='Volunteer',
            name='rel_answered',
            field=fields.FloatField(default=0),
            sql_default="0",
        ),
        AddFieldWithDefault(
            model_name='Volunteer',
            name='rel_accepted',
            field=fields.FloatField(default=0),
            sql_default="0",
        ),
        AddFieldWithDefault(
            model_name='Volunteer',
            name='rel_completed',
            field=fields.FloatField(default=0),
            sql_default="0",
        ),
        AddFieldWithDefault(
            model_name='Volunteer',
            name='rel_missed',
            field=fields.FloatField(default=0),
            sql_default="0",
        ),
        AlterFieldKeepingReferences(
            model_name='ServiceRequest',
            name='resident',
            field=fields.ForeignKeyField('core.Resident', source_field='resident_id', null=True, db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.RESTRICT),
        ),
        AddFieldWithDefault(
            model_name='ServiceRequest',
            name='required_credentials',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
            sql_default="'[]'",
        ),
        AddFieldWithDefault(
            model_name='Volunteer',
            name='credentials',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
            sql_default="'[]'",
        ),
        ops.CreateModel(
            name='IdempotencyKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_id', fields.IntField()),
                ('key', fields.CharField(max_length=200)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('response_status', fields.SmallIntField(null=True)),
                ('response_body', fields.TextField(null=True, unique=False)),
                ('response_type', fields.CharField(null=True, max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'idempotency_key', 'app': 'core', 'unique_together': (('account_id', 'key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RevealLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community_id', fields.IntField()),
                ('account_id', fields.IntField()),
                ('request_id', fields.IntField()),
                ('offer_id', fields.IntField()),
                ('via', fields.CharField(max_length=32)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'reveal_log', 'app': 'core', 'indexes': [Index(fields=['community_id', 'at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
