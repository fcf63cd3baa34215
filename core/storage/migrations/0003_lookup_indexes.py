from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0002_matching_engine')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AvailabilityWindow',
            index=Index(fields=['volunteer_id', 'weekday']),
        ),
        ops.AddIndex(
            model_name='ExtraTime',
            index=Index(fields=['volunteer_id', 'starts_at']),
        ),
        ops.AddIndex(
            model_name='ExtraTime',
            index=Index(fields=['starts_at', 'ends_at']),
        ),
        ops.AddIndex(
            model_name='HoursEntry',
            index=Index(fields=['volunteer_id', 'worked_on']),
        ),
        ops.AddIndex(
            model_name='Membership',
            index=Index(fields=['community_id', 'role']),
        ),
        ops.AddIndex(
            model_name='Notification',
            index=Index(fields=['offer_id']),
        ),
        ops.AddIndex(
            model_name='Offer',
            index=Index(fields=['volunteer_id', 'status']),
        ),
        ops.AddIndex(
            model_name='Rating',
            index=Index(fields=['resident_id', 'volunteer_id']),
        ),
        ops.AddIndex(
            model_name='RequestHistory',
            index=Index(fields=['request_id', 'id']),
        ),
        ops.AddIndex(
            model_name='ServiceRequest',
            index=Index(fields=['resident_id', 'starts_at']),
        ),
        ops.AddIndex(
            model_name='ServiceRequest',
            index=Index(fields=['filed_by_id', 'starts_at']),
        ),
        ops.AddIndex(
            model_name='TimeOff',
            index=Index(fields=['volunteer_id', 'starts_at']),
        ),
        ops.AddIndex(
            model_name='VolunteerSlot',
            index=Index(fields=['offer_id']),
        ),
    ]
