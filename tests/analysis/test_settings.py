from __future__ import annotations

import pytest

from ocrkit.analysis import AnalysisSettings
from ocrkit.errors import InvalidOptionError, OcrkitError


def test_defaults_turn_and_straighten() -> None:
    settings = AnalysisSettings()
    assert settings.rotate_pages and settings.deskew and settings.active
    assert not AnalysisSettings.off().active


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"rotate_pages_threshold": 14}, "0-15 scale"),
        ({"rotation": 45}, "0, 90, 180, 270"),
        ({"rotation": True}, "0, 90, 180, 270"),
        ({"skew": 30.0}, "-15 to 15"),
        ({"skew": float("nan")}, "-15 to 15"),
        ({"deskew": "yes"}, "true or false"),
        ({"rotate_page": True}, "unknown page analysis setting"),
    ],
)
def test_bad_settings_say_what_to_do(values: dict, says: str) -> None:
    with pytest.raises(InvalidOptionError, match=says) as caught:
        AnalysisSettings.from_mapping(values)
    assert isinstance(caught.value, OcrkitError)


def test_forced_angles() -> None:
    settings = AnalysisSettings.from_mapping({"rotation": 270, "skew": -2.5})
    assert settings.rotation == 270 and settings.skew == -2.5 and settings.active
