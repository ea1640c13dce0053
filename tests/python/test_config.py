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


# Hostile files and places: one defined behaviour each (see RELIABILITY.md).

def test_empty_or_relative_keras_home_is_an_error(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for value, words in (("", "set but empty"), ("kh", "relative path")):
        monkeypatch.setenv("KERAS_HOME", value)
        with pytest.raises(ConfigError, match=words) as e:
            config.config_path()
        assert e.value.argument == "KERAS_HOME"
        with pytest.raises(ConfigError):
            config.update_config({"backend": "jax"})
    assert os.listdir(tmp_path) == []  # nothing written in the working directory


def test_tilde_in_keras_home_is_expanded_and_written_there(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", "~/kh")
    monkeypatch.chdir(tmp_path)
    config.update_config({"backend": "jax"})
    assert json.loads((tmp_path / "kh" / "keras.json").read_text())["backend"] == "jax"
    assert not (tmp_path / "~").exists()


@pytest.mark.parametrize("text, words", [
    ('{"epsilon": 1e999}', "positive, finite"),  # Python reads it as inf
    ('{"epsilon": -1e-07}', "positive, finite"),
    ('{"epsilon": 0.0}', "positive, finite"),
    ('{"epsilon": NaN}', "NaN is not a JSON value"),
    ('{"epsilon": -Infinity}', "-Infinity is not a JSON value"),
])
def test_epsilon_in_the_file_must_be_positive_and_finite(keras_home, text, words):
    write(keras_home, text)
    with pytest.raises(ConfigError, match=words):
        config.read_config()


def test_deeply_nested_json_is_a_config_error(keras_home):
    write(keras_home, "[" * 100000 + "]" * 100000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        config.read_config()


def test_fifo_is_an_error_not_a_hang(keras_home):
    keras_home.mkdir()
    os.mkfifo(str(keras_home / "keras.json"))
    with pytest.raises(ConfigError, match="not a regular file"):
        config.read_config()
    with pytest.raises(ConfigError, match="not a regular file"):
        config.update_config({"backend": "jax"})


def test_read_only_file_is_never_replaced(keras_home):
    path = write(keras_home, '{"backend": "tensorflow"}')
    os.chmod(str(path), 0o444)
    with pytest.raises(ConfigError, match="read-only") as e:
        config.update_config({"backend": "jax"})
    assert "chmod u+w" in str(e.value) and str(path) in str(e.value)
    assert path.read_text() == '{"backend": "tensorflow"}'
    assert config.read_config()["backend"] == "tensorflow"  # reading is fine


def test_read_only_directory_is_never_written(keras_home):
    path = write(keras_home, '{"backend": "tensorflow"}')
    os.chmod(str(keras_home), 0o555)
    try:
        with pytest.raises(ConfigError, match="its directory"):
            config.update_config({"backend": "jax"})
        assert sorted(os.listdir(str(keras_home))) == ["keras.json"]
    finally:
        os.chmod(str(keras_home), 0o755)
    assert path.read_text() == '{"backend": "tensorflow"}'


def test_dangling_symlink_reads_as_missing_and_is_not_written_through(keras_home, tmp_path):
    keras_home.mkdir()
    target = tmp_path / "elsewhere" / "keras.json"
    (keras_home / "keras.json").symlink_to(target)
    assert config.read_config() is None
    with pytest.raises(ConfigError, match="will not write"):
        config.update_config({"backend": "jax"})
    assert not target.exists() and not target.parent.exists()


def test_symlink_to_another_users_file_is_not_written(keras_home, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give the target to another user")
    target = tmp_path / "theirs.json"
    target.write_text('{"backend": "tensorflow"}')
    os.chown(str(target), 65534, 65534)
    keras_home.mkdir()
    (keras_home / "keras.json").symlink_to(target)
    assert config.read_config()["backend"] == "tensorflow"
    with pytest.raises(ConfigError, match="another user"):
        config.update_config({"backend": "jax"})
    assert target.read_text() == '{"backend": "tensorflow"}'


def test_symlink_to_a_device_is_an_error(keras_home):
    keras_home.mkdir()
    (keras_home / "keras.json").symlink_to(os.devnull)
    with pytest.raises(ConfigError, match="not a regular file"):
        config.read_config()


def backups(home):
    return sorted(p for p in os.listdir(str(home)) if p.startswith("keras.json.bak-"))


def test_repair_backs_up_and_keeps_what_can_be_kept(keras_home):
    text = '{"backend": "jax", "epsilon": 1, "floatx": "bfloat16", "mine": [1]}'
    path = write(keras_home, text)
    os.chmod(str(path), 0o640)
    result = config.repair_config()
    assert result["repaired"] and result["converted"] == ["epsilon"]
    assert result["dropped"] == ["floatx"] and result["kept"] == ["backend", "mine"]
    assert json.loads(path.read_text()) == {"backend": "jax", "epsilon": 1.0, "mine": [1]}
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o640
    (backup,) = backups(keras_home)
    assert (keras_home / backup).read_text() == text
    assert result["backup"] == str(keras_home / backup)


@pytest.mark.parametrize("text", ['{"backend": "jax",,}', "[1]", "", "[" * 5000])
def test_repair_of_an_unreadable_file_starts_from_keras_defaults(keras_home, text):
    write(keras_home, text)
    result = config.repair_config()
    assert result["repaired"] and result["kept"] == []
    assert config.read_config() == config.DEFAULTS
    assert len(backups(keras_home)) == 1


def test_repair_of_a_huge_file_drops_what_made_it_huge(keras_home):
    write(keras_home, '{"backend": "torch", "junk": "' + "x" * (2 * config.MAX_BYTES) + '"}')
    result = config.repair_config()
    assert result["dropped"] == ["junk"]
    assert config.read_config() == {"backend": "torch"}


def test_repair_leaves_trusted_missing_and_unrepairable_files_alone(keras_home):
    assert config.repair_config()["repaired"] is False  # missing
    write(keras_home, '{"backend": "theano"}')  # readable: an error only when importing
    assert config.repair_config()["repaired"] is False
    assert backups(keras_home) == []
    (keras_home / "keras.json").unlink()
    (keras_home / "keras.json").mkdir()
    with pytest.raises(ConfigError, match="directory"):
        config.repair_config()
    assert backups(keras_home) == []


def test_repair_refuses_a_read_only_file(keras_home):
    path = write(keras_home, "{broken")
    os.chmod(str(path), 0o444)
    with pytest.raises(ConfigError, match="read-only"):
        config.repair_config()
    assert path.read_text() == "{broken" and backups(keras_home) == []


def test_nan_anywhere_is_not_json_and_repair_drops_it(keras_home):
    path = write(keras_home, '{"backend": "jax", "mine": [NaN], "other": 1}')
    with pytest.raises(ConfigError, match="NaN is not a JSON value"):
        config.read_config()
    with pytest.raises(ConfigError):
        config.update_config({"backend": "torch"})
    result = config.repair_config()
    assert result["dropped"] == ["mine"]
    assert json.loads(path.read_text()) == {"backend": "jax", "other": 1}
