from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial'), ('core', '0002_matching_engine')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Incident',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('shift_id', fields.IntField(null=True)),
                ('reporter_id', fields.IntField()),
                ('reporter_name', fields.CharField(max_length=100)),
                ('what', fields.CharField(max_length=1000)),
                ('where', fields.CharField(max_length=200)),
                ('happened_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('photo_ref', fields.CharField(null=True, max_length=300)),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'patrol_incident', 'app': 'patrol', 'indexes': [Index(fields=['community_id', 'happened_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Route',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=80)),
                ('checkpoints', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'patrol_route', 'app': 'patrol', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='School',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=80)),
            ],
            options={'table': 'patrol_school', 'app': 'patrol', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Gate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('school', fields.ForeignKeyField('patrol.School', source_field='school_id', db_constraint=True, to_field='id', related_name='gates', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=80)),
            ],
            options={'table': 'patrol_gate', 'app': 'patrol', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ShiftPlan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=16)),
                ('name', fields.CharField(max_length=80)),
                ('gate', fields.ForeignKeyField('patrol.Gate', source_field='gate_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('route', fields.ForeignKeyField('patrol.Route', source_field='route_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('weekdays', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('start_minute', fields.SmallIntField()),
                ('end_minute', fields.SmallIntField()),
                ('volunteers', fields.SmallIntField()),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField(null=True)),
                ('skip_dates', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('extra_dates', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('building', fields.CharField(null=True, max_length=16)),
            ],
            options={'table': 'patrol_plan', 'app': 'patrol', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Shift',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('plan', fields.ForeignKeyField('patrol.ShiftPlan', source_field='plan_id', db_constraint=True, to_field='id', related_name='shifts', on_delete=OnDelete.RESTRICT)),
                ('day', fields.DateField()),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('request_id', fields.IntField(null=True)),
            ],
            options={'table': 'patrol_shift', 'app': 'patrol', 'unique_together': (('plan', 'day'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CheckpointLog',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('shift', fields.ForeignKeyField('patrol.Shift', source_field='shift_id', db_constraint=True, to_field='id', related_name='checkpoints', on_delete=OnDelete.RESTRICT)),
                ('account_id', fields.IntField()),
                ('checkpoint', fields.SmallIntField()),
                ('name', fields.CharField(max_length=80)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'patrol_checkpoint_log', 'app': 'patrol', 'unique_together': (('shift', 'account_id', 'checkpoint'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Signup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('plan', fields.ForeignKeyField('patrol.ShiftPlan', source_field='plan_id', db_constraint=True, to_field='id', related_name='signups', on_delete=OnDelete.RESTRICT)),
                ('volunteer_id', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'patrol_signup', 'app': 'patrol', 'unique_together': (('plan', 'volunteer_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
