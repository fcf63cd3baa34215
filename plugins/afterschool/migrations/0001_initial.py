from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0002_matching_engine')]

    initial = True

    operations = [
        ops.CreateModel(
            name='AfterschoolClass',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=80)),
                ('kind', fields.CharField(max_length=16)),
                ('weekdays', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('start_minute', fields.SmallIntField()),
                ('end_minute', fields.SmallIntField()),
                ('seat_limit', fields.IntField()),
                ('enrolled', fields.IntField(default=0)),
                ('starts_on', fields.DateField(null=True)),
                ('ends_on', fields.DateField(null=True)),
                ('subjects', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('building', fields.CharField(null=True, max_length=16)),
                ('notes', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'afterschool_class', 'app': 'afterschool', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Child',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('guardian', fields.ForeignKeyField('core.Account', source_field='guardian_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=80)),
                ('age', fields.SmallIntField(null=True)),
                ('grade', fields.CharField(default='', max_length=20)),
                ('school', fields.CharField(default='', max_length=80)),
                ('notes', fields.CharField(default='', max_length=500)),
                ('collectors', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'afterschool_child', 'app': 'afterschool', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ClassSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('klass', fields.ForeignKeyField('afterschool.AfterschoolClass', source_field='klass_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.RESTRICT)),
                ('day', fields.DateField()),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('request_id', fields.IntField(null=True)),
                ('tutors_needed', fields.SmallIntField(default=1)),
                ('children', fields.IntField(default=0)),
            ],
            options={'table': 'afterschool_session', 'app': 'afterschool', 'unique_together': (('klass', 'day'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Attendance',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('afterschool.ClassSession', source_field='session_id', db_constraint=True, to_field='id', related_name='attendance', on_delete=OnDelete.RESTRICT)),
                ('child', fields.ForeignKeyField('afterschool.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='attendance', on_delete=OnDelete.RESTRICT)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_by', fields.IntField(null=True)),
                ('checked_out_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_out_by', fields.IntField(null=True)),
                ('collected_by', fields.CharField(null=True, max_length=80)),
            ],
            options={'table': 'afterschool_attendance', 'app': 'afterschool', 'unique_together': (('session', 'child'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Enrolment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('klass', fields.ForeignKeyField('afterschool.AfterschoolClass', source_field='klass_id', db_constraint=True, to_field='id', related_name='enrolments', on_delete=OnDelete.RESTRICT)),
                ('child', fields.ForeignKeyField('afterschool.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='enrolments', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(max_length=16)),
                ('queued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'afterschool_enrolment', 'app': 'afterschool', 'unique_together': (('klass', 'child'),), 'indexes': [Index(fields=['klass_id', 'status', 'queued_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SchoolCalendar',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.OneToOneField('core.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('term_start', fields.DateField()),
                ('term_end', fields.DateField()),
                ('holidays', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('makeup_days', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'afterschool_calendar', 'app': 'afterschool', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
