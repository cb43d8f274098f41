"""Field encryption: round trips, tamper and context binding, key parsing, rotation and blind indexes."""

from __future__ import annotations

import base64
import string

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from finassure.platform import crypto

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()
CONTEXT = "accounts.User.mobile"
# Hypothesis reuses one function-scoped settings fixture across examples, which is what we want here.
SHARED_FIXTURE = hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def one_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = None
    return settings


@pytest.fixture
def two_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A},b:{KEY_B}"
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = None
    return settings


@SHARED_FIXTURE
@given(st.text())
def test_it_round_trips_any_text(one_key, value):
    token = crypto.encrypt(value, context=CONTEXT)
    assert crypto.decrypt(token, context=CONTEXT) == value


def test_it_round_trips_chinese_text_and_hides_it(one_key):
    token = crypto.encrypt("张三 身份证 11010119900307451X", context=CONTEXT)
    assert token.startswith("fa1:a:")
    assert "张三" not in token and "11010119900307451X" not in token
    assert crypto.decrypt(token, context=CONTEXT) == "张三 身份证 11010119900307451X"


def test_it_encrypts_the_same_value_differently_each_time(one_key):
    assert crypto.encrypt("13812345678", context=CONTEXT) != crypto.encrypt("13812345678", context=CONTEXT)


@SHARED_FIXTURE
@given(value=st.text(max_size=40), data=st.data())
def test_it_rejects_a_token_with_any_character_changed(one_key, value, data):
    token = crypto.encrypt(value, context=CONTEXT)
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1), label="position")
    replacement = data.draw(
        st.sampled_from("ABCabc019-_:=+/X").filter(lambda char: char != token[position]), label="replacement"
    )
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, context=CONTEXT)


@pytest.mark.parametrize("value", ["", "1", "13", "138"])
def test_it_rejects_every_single_character_change(one_key, value):
    # Exhaustive over positions and characters: base64's ignored padding bits and its two alphabets
    # would let some edits decode to the same bytes if the token were not checked to be canonical.
    token = crypto.encrypt(value, context=CONTEXT)
    alphabet = string.ascii_letters + string.digits + "-_+/=:."
    for position, original in enumerate(token):
        for replacement in alphabet.replace(original, ""):
            tampered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt(tampered, context=CONTEXT)


@SHARED_FIXTURE
@given(st.text(min_size=1, max_size=40), st.integers(min_value=1, max_value=5))
def test_it_rejects_a_truncated_or_extended_token(one_key, value, cut):
    token = crypto.encrypt(value, context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token[:-cut], context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token + "A" * cut, context=CONTEXT)


@SHARED_FIXTURE
@given(st.text(max_size=40), st.text(min_size=1, max_size=30))
def test_a_token_from_one_context_fails_in_another(one_key, value, other):
    token = crypto.encrypt(value, context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context=CONTEXT + other)


def test_the_error_names_the_key_and_context_but_not_the_value(one_key):
    token = crypto.encrypt("13812345678", context="service.Complaint.phone")
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(token, context=CONTEXT)
    message = str(caught.value)
    assert "'a'" in message and CONTEXT in message
    assert "13812345678" not in message and token not in message
    assert caught.value.kid == "a"


def test_it_refuses_plaintext_without_echoing_it(one_key):
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt("13812345678", context=CONTEXT)
    assert "13812345678" not in str(caught.value)


def test_it_names_a_key_id_that_is_no_longer_configured(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"old:{KEY_A}"
    token = crypto.encrypt("x", context=CONTEXT)
    settings.FIELD_ENCRYPTION_KEYS = f"new:{KEY_B}"
    with pytest.raises(crypto.UnknownKeyError, match="'old'"):
        crypto.decrypt(token, context=CONTEXT)


def test_a_relabelled_token_fails_even_when_the_key_bytes_match(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A},z:{KEY_A}"
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = "a"
    token = crypto.encrypt("x", context=CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token.replace("fa1:a:", "fa1:z:"), context=CONTEXT)


def test_the_last_listed_key_encrypts_by_default_and_all_keys_decrypt(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    old_token = crypto.encrypt("旧值", context=CONTEXT)
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A},b:{KEY_B}"
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = None
    new_token = crypto.encrypt("新值", context=CONTEXT)
    assert crypto.token_kid(new_token) == "b"
    assert crypto.decrypt(old_token, context=CONTEXT) == "旧值"
    assert crypto.needs_rotation(old_token) and not crypto.needs_rotation(new_token)


def test_the_active_key_setting_chooses_the_encrypting_key(two_keys):
    two_keys.FIELD_ENCRYPTION_ACTIVE_KEY = "a"
    assert crypto.token_kid(crypto.encrypt("x", context=CONTEXT)) == "a"


def test_rotate_reencrypts_under_the_active_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    old_token = crypto.encrypt("13812345678", context=CONTEXT)
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A},b:{KEY_B}"
    rotated = crypto.rotate(old_token, context=CONTEXT)
    assert crypto.token_kid(rotated) == "b"
    assert crypto.decrypt(rotated, context=CONTEXT) == "13812345678"
    assert crypto.rotate(rotated, context=CONTEXT) == rotated


@pytest.mark.parametrize(
    ("spec", "active", "complaint"),
    [
        ("", None, "empty"),
        ("a:not*base64!", None, "'a' is not valid base64"),
        (f"a:{base64.b64encode(bytes(16)).decode()}", None, "'a' is 16 bytes"),
        (f"a:{KEY_A},a:{KEY_B}", None, "'a' twice"),
        (f"a:{KEY_A}", "b", "'b', which is not in"),
        (KEY_A, None, "entry 1 must be 'kid:base64key'"),
        (f"bad kid:{KEY_A}", None, "entry 1"),
    ],
)
def test_it_explains_bad_key_configuration(spec, active, complaint):
    with pytest.raises(ImproperlyConfigured, match=complaint) as caught:
        crypto.parse_keys(spec, active)
    assert KEY_A not in str(caught.value)


def test_it_accepts_standard_and_urlsafe_base64_with_or_without_padding():
    ring = crypto.parse_keys(f"a:{KEY_A},b:{KEY_B.rstrip('=')}")
    assert ring.keys == {"a": bytes(range(32)), "b": bytes(range(100, 132))}
    assert ring.active_kid == "b"


def test_it_reads_the_keys_from_settings_once_per_value(two_keys):
    first = crypto.keyring()
    assert crypto.keyring() is first
    two_keys.FIELD_ENCRYPTION_ACTIVE_KEY = "a"
    assert crypto.keyring().active_kid == "a"


def test_needs_rotation_refuses_a_non_token(one_key):
    with pytest.raises(crypto.DecryptionError):
        crypto.needs_rotation("13812345678")


def test_the_blind_index_matches_equal_values_only(one_key):
    index = crypto.blind_index("13812345678", context=CONTEXT)
    assert index == crypto.blind_index("13812345678", context=CONTEXT)
    assert index != crypto.blind_index("13812345679", context=CONTEXT)
    assert index != crypto.blind_index("13812345678", context="service.Complaint.phone")
    assert "13812345678" not in index and index.startswith("a:")


def test_the_blind_index_depends_on_the_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    under_a = crypto.blind_index("13812345678", context=CONTEXT)
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A},b:{KEY_B}"
    under_b = crypto.blind_index("13812345678", context=CONTEXT)
    assert under_a != under_b
    assert crypto.blind_index_candidates("13812345678", context=CONTEXT) == [under_a, under_b]
