"""The operator's settings, read from the environment."""

from __future__ import annotations

import pytest

from streamspec.settings import Settings, SettingsError


def test_the_operators_settings_default_to_text_logs_no_access_log_and_no_tracing() -> None:
    settings = Settings.from_env({})
    assert (settings.log_format, settings.access_log, settings.tracing) == ("text", False, False)
    assert settings.prometheus_multiproc_dir is None


def test_the_operators_settings_are_read_from_their_variables() -> None:
    settings = Settings.from_env(
        {
            "STREAMSPEC_LOG_FORMAT": "JSON",
            "STREAMSPEC_ACCESS_LOG": "on",
            "STREAMSPEC_TRACING": "1",
            "PROMETHEUS_MULTIPROC_DIR": "/run/streamspec-metrics",
        }
    )
    assert (settings.log_format, settings.access_log, settings.tracing) == ("json", True, True)
    assert settings.prometheus_multiproc_dir == "/run/streamspec-metrics"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STREAMSPEC_LOG_FORMAT", "xml"),
        ("STREAMSPEC_ACCESS_LOG", "maybe"),
        ("STREAMSPEC_TRACING", "2"),
    ],
)
def test_an_unusable_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("OPENAI_API_KEY", "sk-caf\u00e9"),
        ("OPENAI_API_KEY", "sk-one two"),
        ("STREAMSPEC_API_KEYS", "good-key,k\u00eby"),
        ("STREAMSPEC_API_KEYS", "bad\tkey"),
    ],
)
def test_a_key_that_cannot_travel_as_a_bearer_token_is_refused_without_repeating_it(
    name: str, key: str
) -> None:
    with pytest.raises(SettingsError, match=name) as refused:
        Settings.from_env({name: key})
    assert all(part not in str(refused.value) for part in key.split(","))


def test_keys_of_visible_ascii_are_kept_as_given() -> None:
    settings = Settings.from_env(
        {"OPENAI_API_KEY": "sk-proj_A1~+/=", "STREAMSPEC_API_KEYS": "k1-._~, k2+/="}
    )
    assert settings.openai_api_key == "sk-proj_A1~+/="
    assert settings.api_keys == ("k1-._~", "k2+/=")
