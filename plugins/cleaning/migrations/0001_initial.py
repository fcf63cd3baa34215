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
            name='CleaningBooking',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request_id', fields.IntField(unique=True)),
                ('community_id', fields.IntField()),
                ('service', fields.CharField(max_length=32)),
                ('units', fields.SmallIntField()),
                ('fee_items', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('fee_total', fields.FloatField()),
                ('equipment', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('cancelled', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'cleaning_booking', 'app': 'cleaning', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Equipment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=40)),
                ('label', fields.CharField(max_length=60)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'cleaning_equipment', 'app': 'cleaning', 'indexes': [Index(fields=['community_id', 'kind'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EquipmentSlot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('equipment', fields.ForeignKeyField('cleaning.Equipment', source_field='equipment_id', db_constraint=True, to_field='id', related_name='slots', on_delete=OnDelete.RESTRICT)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('request_id', fields.IntField()),
            ],
            options={'table': 'cleaning_equipment_slot', 'app': 'cleaning', 'unique_together': (('equipment', 'starts_at'),), 'indexes': [Index(fields=['request_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
