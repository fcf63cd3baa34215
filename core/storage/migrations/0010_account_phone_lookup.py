"""Accounts found by phone number: staff answering the compound's duty phone look up who is
calling (``GET /communities/{id}/residents?phone=...``); numbers are in E.164 since 0009,
so one number matches however it was typed."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("core", "0009_phones_e164")]

    initial = False

    operations = [
        ops.AddIndex(model_name="Account", index=Index(fields=["phone"])),
    ]
