import pytest
from cryptography.fernet import Fernet

from civicgrid.core import crypto


def test_round_trip_and_ciphertext_has_no_plaintext():
    token = crypto.encrypt("110101199003071234")
    assert token.startswith(crypto.PREFIX) and "1234" not in token and "110101" not in token
    assert crypto.decrypt(token) == "110101199003071234"
    # Fernet tokens are randomised: equal values do not produce equal ciphertexts.
    assert crypto.encrypt("110101199003071234") != token


def test_rotation_keeps_values_readable_with_new_key_only(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DATA_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("13800001111")
    settings.DATA_ENCRYPTION_KEYS = [new, old]
    rotated = crypto.rotate_token(token)
    settings.DATA_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "13800001111"
    with pytest.raises(ValueError, match="密钥不匹配"):
        crypto.decrypt(token)


def test_plaintext_in_an_encrypted_column_is_an_error():
    with pytest.raises(ValueError, match="不是密文"):
        crypto.decrypt("13800001111")


def test_lookup_hash_is_keyed_and_normalised(settings):
    a = crypto.lookup_hash("11010119900307123x")
    assert a == crypto.lookup_hash("110101 19900307 123X")
    settings.DATA_LOOKUP_KEY = "another-key-another-key-another-key"
    assert crypto.lookup_hash("11010119900307123X") != a


@pytest.mark.parametrize("fn,value,masked", [
    (crypto.mask_id_number, "110101199003071234", "1101**********1234"),
    (crypto.mask_id_number, "G1234567", "G*******"),
    (crypto.mask_phone, "13812345678", "138****5678"),
    (crypto.mask_phone, "010-62345678", "*******5678"),
    (crypto.mask_name, "张建国", "张*国"),
    (crypto.mask_name, "王五", "王*"),
    (crypto.mask_name, "", ""),
])
def test_masks(fn, value, masked):
    assert fn(value) == masked


def test_redact_text_masks_numbers_typed_into_descriptions():
    text = "楼道堆物，请联系我 138-1234-5678，身份证 11010119900307123X，门牌 12 号，工单 2026112500001"
    out = crypto.redact_text(text)
    assert "138****5678" in out and "1234-5678" not in out
    assert "1101**********123X" in out and "19900307" not in out
    assert "门牌 12 号" in out and "2026112500001" in out  # ordinary numbers stay
