"""EncryptedTextField: stores tokens, reads plain text, survives migrations, refuses useless lookups."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import FieldError
from django.db import connection, models
from django.db.migrations.writer import MigrationWriter
from django.test.utils import isolate_apps

from finassure.platform import crypto
from finassure.platform.fields import EncryptedTextField

KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def field_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"t1:{KEY}"
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = None


@pytest.fixture
def customer_model():
    """A throwaway model in an isolated app registry, so it never reaches the project's migrations."""
    with isolate_apps("finassure.platform"):

        class Customer(models.Model):
            mobile = EncryptedTextField(pii_class="C2", mask="phone", blank=True, null=True)
            address = EncryptedTextField(mask="address", blank=True, context="legacy.Customer.addr")

            class Meta:
                app_label = "platform"

            def __str__(self) -> str:
                return f"customer {self.pk}"

        yield Customer


@pytest.fixture
def customer_table(transactional_db, customer_model):
    with connection.schema_editor() as editor:
        editor.create_model(customer_model)
    yield customer_model
    with connection.schema_editor() as editor:
        editor.delete_model(customer_model)


def _field(model, name):
    return model._meta.get_field(name)


def test_the_context_is_the_model_label_and_field_name(customer_model):
    assert _field(customer_model, "mobile").context == "platform.Customer.mobile"
    assert _field(customer_model, "address").context == "legacy.Customer.addr"


def test_it_exposes_the_data_class_and_mask(customer_model):
    mobile = _field(customer_model, "mobile")
    assert (mobile.pii_class, mobile.mask_kind) == ("C2", "phone")


def test_it_encrypts_on_the_way_in_and_decrypts_on_the_way_out(customer_model):
    mobile = _field(customer_model, "mobile")
    token = mobile.get_prep_value("13812345678")
    assert token.startswith("fa1:t1:") and "13812345678" not in token
    assert crypto.decrypt(token, context="platform.Customer.mobile") == "13812345678"
    assert mobile.from_db_value(token, None, connection) == "13812345678"


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_values_pass_through(customer_model, empty):
    mobile = _field(customer_model, "mobile")
    assert mobile.get_prep_value(empty) == empty
    assert mobile.from_db_value(empty, None, connection) == empty


def test_a_token_from_another_field_does_not_decrypt(customer_model):
    token = _field(customer_model, "address").get_prep_value("广东省深圳市南山区")
    with pytest.raises(crypto.DecryptionError):
        _field(customer_model, "mobile").from_db_value(token, None, connection)


def test_it_round_trips_through_the_database_and_stores_only_ciphertext(customer_table):
    customer_model = customer_table
    saved = customer_model.objects.create(mobile="13812345678", address="北京市朝阳区建国路88号")
    loaded = customer_model.objects.get(pk=saved.pk)
    assert (loaded.mobile, loaded.address) == ("13812345678", "北京市朝阳区建国路88号")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT mobile, address FROM {customer_model._meta.db_table} WHERE id = %s", [saved.pk]
        )
        raw_mobile, raw_address = cursor.fetchone()
    assert raw_mobile.startswith("fa1:t1:") and "13812345678" not in raw_mobile
    assert raw_address.startswith("fa1:t1:") and "北京" not in raw_address


def test_it_can_filter_for_empty_but_refuses_to_compare_values(customer_table):
    customer_model = customer_table
    customer_model.objects.create(mobile="", address="")
    customer_model.objects.create(mobile=None, address="")
    customer_model.objects.create(mobile="13812345678", address="")
    assert customer_model.objects.filter(mobile="").count() == 1
    assert customer_model.objects.filter(mobile__isnull=True).count() == 1
    with pytest.raises(FieldError, match="blind index"):
        customer_model.objects.filter(mobile="13812345678").count()
    with pytest.raises(FieldError):
        customer_model.objects.filter(mobile__startswith="138").count()


def test_deconstruct_round_trips_for_migrations():
    field = EncryptedTextField(pii_class="C3", mask="card", blank=True, context="x.Y.z")
    name, path, args, kwargs = field.deconstruct()
    assert path == "finassure.platform.fields.EncryptedTextField"
    assert kwargs == {"pii_class": "C3", "mask": "card", "blank": True, "context": "x.Y.z"}
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert (rebuilt.pii_class, rebuilt.mask_kind, rebuilt.pinned_context) == ("C3", "card", "x.Y.z")
    serialized, imports = MigrationWriter.serialize(field)
    assert "finassure.platform.fields.EncryptedTextField(" in serialized
    assert "import finassure.platform.fields" in imports


def test_defaults_are_left_out_of_migrations():
    assert EncryptedTextField().deconstruct()[3] == {}


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"pii_class": "C9"}, "pii_class"), ({"mask": "dna"}, "mask")]
)
def test_it_refuses_unknown_classes_and_masks(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EncryptedTextField(**kwargs)


@pytest.mark.django_db
def test_the_user_mobile_is_stored_encrypted_and_read_back_plain(django_user_model):
    user = django_user_model.objects.create(username="zhangsan", mobile="13812345678")
    assert django_user_model.objects.get(pk=user.pk).mobile == "13812345678"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT mobile FROM {django_user_model._meta.db_table} WHERE id = %s", [user.pk])
        (raw,) = cursor.fetchone()
    assert crypto.decrypt(raw, context="accounts.User.mobile") == "13812345678"
    field = django_user_model._meta.get_field("mobile")
    assert (field.pii_class, field.mask_kind) == ("C2", "phone")
