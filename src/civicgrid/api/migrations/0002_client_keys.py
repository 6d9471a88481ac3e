"""Open311 api_keys leave the API token table.

Until now a client application's key was an ApiToken row (client set, user empty) and worked as
`Authorization: Bearer` on /api/v1 with the app's hotline seat. Each such row moves to ClientKey
with the same hash, so the partner keeps posting to /open311/v2/ with the key it has, and is
deleted from ApiToken, so /api/v1 no longer accepts it. Tokens issued to a client's service user
(possible through the old admin form) are deleted too. Stored idempotent replies of the removed
tokens go with them.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_client_tokens(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    ClientKey = apps.get_model("api", "ClientKey")
    ClientApplication = apps.get_model("api", "ClientApplication")
    IdempotencyRecord = apps.get_model("api", "IdempotencyRecord")
    for t in ApiToken.objects.filter(client__isnull=False).iterator():
        ClientKey.objects.create(client_id=t.client_id, prefix=t.prefix, key_hash=t.token_hash,
                                 created_at=t.created_at, created_by_id=t.created_by_id, last_used_at=t.last_used_at,
                                 revoked_at=t.revoked_at, revoked_by_id=t.revoked_by_id)
    service_users = ClientApplication.objects.values("user_id")
    gone = ApiToken.objects.filter(models.Q(client__isnull=False) | models.Q(user_id__in=service_users))
    IdempotencyRecord.objects.filter(credential__in=[f"token:{pk}" for pk in gone.values_list("pk", flat=True)]).delete()
    gone.delete()


def restore_client_tokens(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    ClientKey = apps.get_model("api", "ClientKey")
    for k in ClientKey.objects.all().iterator():
        ApiToken.objects.create(client_id=k.client_id, name="api_key", prefix=k.prefix, token_hash=k.key_hash,
                                created_at=k.created_at, created_by_id=k.created_by_id, last_used_at=k.last_used_at,
                                revoked_at=k.revoked_at, revoked_by_id=k.revoked_by_id)


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClientKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("prefix", models.CharField(db_index=True, max_length=12, verbose_name="前缀")),
                ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="签发时间")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="最近使用")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="吊销时间")),
                ("client", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="keys",
                                             to="api.clientapplication", verbose_name="接入应用")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="签发人")),
                ("revoked_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                 related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="吊销人")),
            ],
            options={"verbose_name": "Open311 api_key", "verbose_name_plural": "Open311 api_key",
                     "ordering": ["-created_at"]},
        ),
        migrations.RunPython(move_client_tokens, restore_client_tokens),
        migrations.RemoveConstraint(model_name="apitoken", name="api_token_one_owner"),
        migrations.RemoveField(model_name="apitoken", name="client"),
        migrations.AlterField(
            model_name="apitoken", name="user",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_tokens",
                                    to=settings.AUTH_USER_MODEL, verbose_name="用户"),
        ),
    ]
