"""The cryptography of personal data (common.personal_data, issue 14): both ciphers round
trip, anything wrong fails loudly, the blind index finds a number however it was typed
and means nothing without its key, and the configuration refuses what cannot work."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from common import personal_data
from common.personal_data import PersonalDataError, blind_index, decrypt, encrypt

ID_NUMBER = "33068119650312123X"
AES_KEY = base64.b64decode(personal_data.generate_key("aes"))
SM4_KEY = base64.b64decode(personal_data.generate_key("sm4"))
INDEX_KEY = b"i" * 32


def keys(cipher="aes", current="k1", **ring):
    return override_settings(
        FENGQIAO_PERSONAL_DATA_CIPHER=cipher,
        FENGQIAO_PERSONAL_DATA_KEYS=ring or {"k1": AES_KEY if cipher == "aes" else SM4_KEY},
        FENGQIAO_PERSONAL_DATA_KEY_ID=current,
        FENGQIAO_PERSONAL_DATA_INDEX_KEY=INDEX_KEY,
    )


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
def test_each_cipher_round_trips_an_id_number_and_a_mobile(cipher):
    with keys(cipher):
        id_token = encrypt("id_number", ID_NUMBER)
        mobile_token = encrypt("mobile", "13912345678")

        assert id_token.startswith(f"fq1:{cipher}:k1:")
        assert ID_NUMBER not in id_token and "13912345678" not in mobile_token
        assert decrypt("id_number", id_token) == ID_NUMBER
        assert decrypt("mobile", mobile_token) == "13912345678"


def test_the_same_number_encrypts_differently_each_time():
    with keys():
        assert encrypt("id_number", ID_NUMBER) != encrypt("id_number", ID_NUMBER)


def test_an_empty_value_stays_empty():
    with keys():
        assert encrypt("mobile", "") == ""
        assert decrypt("mobile", "") == ""
        assert blind_index("mobile", "") == ""


def test_sm4_gcm_gives_the_test_vector_of_rfc_8998():
    # RFC 8998, appendix A.1 (SM4-GCM).
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex("".join(c * 16 for c in "ABCDEFEA"))

    sealed = personal_data._seal("sm4", key, nonce, plain, aad)

    assert sealed.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    assert personal_data._open("sm4", key, nonce, sealed, aad) == plain


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
def test_a_changed_character_of_a_stored_value_fails_loudly(cipher):
    with keys(cipher):
        token = encrypt("id_number", ID_NUMBER)
        position = len(token) - 5
        tampered = (
            token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        )

        with pytest.raises(PersonalDataError, match="does not decrypt"):
            decrypt("id_number", tampered)


def test_a_value_read_with_another_key_under_the_same_id_fails_loudly():
    with keys():
        token = encrypt("id_number", ID_NUMBER)
    with keys(k1=base64.b64decode(personal_data.generate_key("aes"))):
        with pytest.raises(PersonalDataError, match="does not decrypt"):
            decrypt("id_number", token)


def test_a_value_of_a_key_no_longer_configured_names_the_key():
    with keys():
        token = encrypt("id_number", ID_NUMBER)
    with keys(current="k2", k2=AES_KEY):
        with pytest.raises(PersonalDataError, match="'k1'.*not in FENGQIAO_PERSONAL_DATA_KEYS"):
            decrypt("id_number", token)


def test_a_value_moved_to_another_kind_of_column_or_relabelled_does_not_decrypt():
    with keys(k1=AES_KEY, k2=AES_KEY):
        token = encrypt("id_number", ID_NUMBER)

        with pytest.raises(PersonalDataError):
            decrypt("mobile", token)
        # Same key bytes under another id: the header is authenticated too.
        with pytest.raises(PersonalDataError):
            decrypt("id_number", token.replace(":k1:", ":k2:", 1))


def test_a_number_stored_in_clear_is_refused_rather_than_passed_off_as_decrypted():
    with keys(), pytest.raises(PersonalDataError, match="rotate_personal_data_key"):
        decrypt("id_number", ID_NUMBER)


def test_an_old_key_still_decrypts_after_a_new_one_is_made_current():
    with keys():
        old = encrypt("mobile", "13912345678")
    with keys(current="k2", k1=AES_KEY, k2=base64.b64decode(personal_data.generate_key("aes"))):
        assert decrypt("mobile", old) == "13912345678"
        assert not personal_data.is_current(old)
        assert encrypt("mobile", "13912345678").startswith("fq1:aes:k2:")


def test_values_of_both_ciphers_decrypt_side_by_side_after_switching_to_sm4():
    with keys():
        aes_token = encrypt("id_number", ID_NUMBER)
    with keys("sm4", current="s1", k1=AES_KEY, s1=SM4_KEY):
        sm4_token = encrypt("id_number", ID_NUMBER)

        assert sm4_token.startswith("fq1:sm4:s1:")
        assert decrypt("id_number", aes_token) == decrypt("id_number", sm4_token) == ID_NUMBER


@pytest.mark.parametrize(
    "typed",
    ["33068119650312123X", "33068119650312123x", "330681 19650312 123X", "330681-1965-0312-123X",
     "３３０６８１１９６５０３１２１２３Ｘ", "\t330681\u300019650312123x\n"],
)  # fmt: skip
def test_the_blind_index_of_an_id_number_ignores_how_it_was_typed(typed):
    with keys():
        assert blind_index("id_number", typed) == blind_index("id_number", ID_NUMBER)


@pytest.mark.parametrize("typed", ["139 1234 5678", "139-1234-5678", "+86 139 1234 5678"])
def test_the_blind_index_of_a_mobile_ignores_spaces_dashes_and_the_country_code(typed):
    with keys():
        assert blind_index("mobile", typed) == blind_index("mobile", "13912345678")


def test_the_blind_index_depends_on_its_key_the_kind_and_the_cipher_setting():
    with keys():
        index = blind_index("id_number", ID_NUMBER)
        assert len(index) == personal_data.INDEX_LENGTH
        assert blind_index("mobile", ID_NUMBER) != index
    with (
        keys(),
        override_settings(FENGQIAO_PERSONAL_DATA_INDEX_KEY=b"j" * 32),
    ):
        assert blind_index("id_number", ID_NUMBER) != index
    with keys("sm4"):
        assert blind_index("id_number", ID_NUMBER) != index


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("330681 19650312 123x", ("id_number", ID_NUMBER)),
        ("139-1234-5678", ("mobile", "13912345678")),
        ("+86 139 1234 5678", ("mobile", "13912345678")),
        ("张三", None),
        ("1391234567", None),  # ten digits: not a whole mobile
        ("2026-0001", None),  # a case number, not a person's
        ("330681101-2026-00002", None),  # 18 digits without its dashes, but a case number
        ("110105001-20", None),  # 11 digits starting with 1: a case number's start
        ("3306811965031212", None),
        ("330681196503121230", None),  # a wrong check character
    ],
)
def test_a_search_text_is_recognised_as_a_number_only_when_it_is_a_whole_one(text, found):
    assert personal_data.normalise_for_lookup(text) == found


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"cipher": "des"}, "FENGQIAO_PERSONAL_DATA_CIPHER must be one of aes, sm4"),
        ({"current": "k9"}, "FENGQIAO_PERSONAL_DATA_KEY_ID 'k9' is not among"),
        ({"keys": {"k1": b"short"}}, "the current key 'k1' has 5 bytes; aes needs 32"),
        ({"cipher": "sm4"}, "sm4 needs 16"),
        ({"index_key": b"x" * 16}, "FENGQIAO_PERSONAL_DATA_INDEX_KEY must have at least 32"),
        ({"keys": {}}, "lists no key"),
    ],
)
def test_a_configuration_that_cannot_work_is_refused_naming_the_variable(settings, message):
    ring = {"cipher": "aes", "keys": {"k1": AES_KEY}, "current": "k1", "index_key": INDEX_KEY}
    ring.update(settings)

    with pytest.raises(ImproperlyConfigured, match=message):
        personal_data.check_key_ring(**ring)


@pytest.mark.parametrize(
    ("text", "message"),
    [("k1", "KEYID:BASE64KEY"), ("k_1:AAAA", "KEYID:BASE64KEY"), ("k1:not base64!", "base64"),
     ("k1:AAAA,k1:AAAA", "listed twice")],
)  # fmt: skip
def test_malformed_keys_are_refused(text, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        personal_data.parse_keys(text)


def test_the_keys_parse_into_ids_and_bytes():
    assert personal_data.parse_keys(f"old:{base64.b64encode(b'a' * 32).decode()}, new:AAAA") == {
        "old": b"a" * 32,
        "new": b"\0\0\0",
    }


def test_without_keys_encrypting_stops_with_the_variables_to_set():
    with (
        override_settings(FENGQIAO_PERSONAL_DATA_KEYS={}, FENGQIAO_PERSONAL_DATA_INDEX_KEY=b""),
        pytest.raises(ImproperlyConfigured, match="FENGQIAO_PERSONAL_DATA_KEYS"),
    ):
        encrypt("id_number", ID_NUMBER)


def test_a_laptops_keys_are_made_once_readable_by_the_owner_only_and_kept(tmp_path):
    path = tmp_path / "var" / "personal_data_keys.env"

    first = personal_data.local_keys(path)
    second = personal_data.local_keys(path)

    assert first == second
    assert set(first) == set(personal_data.LOCAL_VARIABLES)
    assert path.stat().st_mode & 0o777 == 0o600
    keys_ = personal_data.parse_keys(first["FENGQIAO_PERSONAL_DATA_KEYS"])
    personal_data.check_key_ring(
        cipher="aes",
        keys=keys_,
        current=first["FENGQIAO_PERSONAL_DATA_KEY_ID"],
        index_key=personal_data.decode_key(first["FENGQIAO_PERSONAL_DATA_INDEX_KEY"], name="x"),
    )
