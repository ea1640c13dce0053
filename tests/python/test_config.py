import json
import multiprocessing
import os
import stat

import pytest
from kswitch import config
from kswitch.errors import ConfigError, InvalidArgumentError


def write(home, text):
    home.mkdir(parents=True, exist_ok=True)
    path = home / "keras.json"
    path.write_text(text)
    return path


def test_path_follows_keras_rules(keras_home, monkeypatch, tmp_path):
    assert config.config_path() == str(keras_home / "keras.json")
    monkeypatch.setenv("KERAS_HOME", "~/kh")  # Keras expands ~ in the file path
    assert config.config_path() == os.path.expanduser("~/kh/keras.json")
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.config_path() == str(tmp_path / ".keras" / "keras.json")


def test_missing_file_reads_as_none(keras_home):
    assert config.read_config() is None


@pytest.mark.parametrize("text, words", [
    ('{"backend": "jax",,}', "line 1, column 19"),
    ("[1, 2]", "JSON array"),
    ("", "empty"),
    ("  \n", "empty"),
    ('"tensorflow"', "JSON object"),
    ('{"epsilon": 1}', "JSON float"),
    ('{"epsilon": "1e-7"}', "JSON float"),
    ('{"floatx": "bfloat16"}', "float16"),
    ('{"image_data_format": "Channels_Last"}', "channels_last"),
    ('{"backend": 3}', "non-empty string"),
])
def test_untrusted_files_are_errors(keras_home, text, words):
    path = write(keras_home, text)
    with pytest.raises(ConfigError) as e:
        config.read_config()
    assert words in str(e.value)
    assert e.value.path == str(path)


def test_not_utf8_too_large_and_directory(keras_home):
    path = keras_home / "keras.json"
    keras_home.mkdir()
    path.write_bytes(b'{"backend": "\xff"}')
    with pytest.raises(ConfigError, match="UTF-8"):
        config.read_config()
    path.write_text('{"x": "' + "a" * config.MAX_BYTES + '"}')
    with pytest.raises(ConfigError, match="larger than"):
        config.read_config()
    path.unlink()
    path.mkdir()
    with pytest.raises(ConfigError, match="directory"):
        config.read_config()


def test_update_keeps_order_unknown_keys_and_mode(keras_home):
    path = write(keras_home, '{"image_data_format": "channels_last", "nnx_enabled": false,\n'
                             ' "backend": "tensorflow", "extra": {"a": [1, 2.5]}}')
    os.chmod(path, 0o640)
    old = config.update_config({"backend": "jax", "epsilon": 1.0})
    assert old["backend"] == "tensorflow"
    text = path.read_text()
    assert text.endswith("}\n")
    assert '"epsilon": 1.0' in text
    assert list(json.loads(text)) == ["image_data_format", "nnx_enabled", "backend", "extra",
                                      "epsilon"]
    assert json.loads(text)["extra"] == {"a": [1, 2.5]}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.listdir(keras_home) == ["keras.json"]


def test_update_creates_missing_directory_with_keras_defaults(keras_home):
    config.update_config({"epsilon": 1e-4})
    assert json.loads((keras_home / "keras.json").read_text()) == dict(config.DEFAULTS,
                                                                       epsilon=1e-4)


def test_update_refuses_values_keras_rejects(keras_home):
    path = write(keras_home, '{"backend": "jax"}')
    with pytest.raises(ConfigError):
        config.update_config({"floatx": "bfloat16"})
    assert path.read_text() == '{"backend": "jax"}'


def test_symlinked_file_stays_a_link(keras_home, tmp_path):
    target = tmp_path / "dotfiles" / "keras.json"
    target.parent.mkdir()
    target.write_text('{"backend": "tensorflow"}')
    keras_home.mkdir()
    (keras_home / "keras.json").symlink_to(target)
    config.update_config({"backend": "torch"})
    assert (keras_home / "keras.json").is_symlink()
    assert json.loads(target.read_text())["backend"] == "torch"


def test_stale_temp_files_are_removed_on_next_write(keras_home):
    write(keras_home, "{}")
    stale = keras_home / (config.TEMP_PREFIX + "999.dead" + config.TEMP_SUFFIX)
    stale.write_text("{half")
    config.update_config({"backend": "jax"})
    assert not stale.exists()


def _writer(path, key, n):
    for i in range(n):
        config.update_config({key: i}, path)


def test_concurrent_writers_lose_no_update(keras_home):
    path = str(write(keras_home, "{}"))
    procs = [multiprocessing.Process(target=_writer, args=(path, "k%d" % i, 30))
             for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    final = config.read_config(path)
    assert all(final["k%d" % i] == 29 for i in range(4))


@pytest.mark.parametrize("value", [0, -1e-7, float("inf"), float("nan"), "1e-7", True, None])
def test_epsilon_rule(value):
    with pytest.raises(InvalidArgumentError):
        config.check_epsilon(value)


def test_epsilon_rule_accepts_numbers_as_floats():
    assert config.check_epsilon(1) == 1.0 and isinstance(config.check_epsilon(1), float)


def test_miscased_values_suggest_the_fix():
    with pytest.raises(InvalidArgumentError, match='Did you mean "float32"'):
        config.check_floatx("Float32")
    assert config.check_floatx("bfloat16") == "bfloat16"
    with pytest.raises(InvalidArgumentError):
        config.check_floatx("bfloat16", in_file=True)
