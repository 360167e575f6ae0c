"""Simulator settings from the INI files `bundlerl simulate` and `bundlerl train` read.

The keys, their types, defaults and checks are the C++ structs' own (env/config.h,
agents/trainer.h, harness/); this module only splits the file into "section.key" pairs.
"""
import configparser
import os

from . import _core


def _pairs_of_file(path):
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#",),
                                       comment_prefixes=("#", ";"), strict=True)
    parser.optionxform = str  # keys are case-sensitive, as in the command line's parser
    try:
        with open(path, encoding="utf-8") as f:
            parser.read_file(f)
    except OSError as e:
        raise ValueError(f"config: cannot read '{path}': {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"config '{path}': not a text (UTF-8) INI file (byte {e.start})") from None
    except configparser.Error as e:
        raise ValueError(f"config '{path}': {e}") from None
    return [(f"{section}.{key}", value) for section in parser.sections()
            for key, value in parser.items(section)]


def load_config(config=None, **overrides):
    """The simulator settings of `config` with `overrides` applied.

    config: an INI file path, a dict {"section.key": value}, a config returned by this
    function, or None (the built-in defaults). overrides: "section__key"=value keyword
    arguments, e.g. session__candidates=1000. A key no struct declares, or a bad value,
    raises ValueError naming the key.
    """
    if isinstance(config, _core.SimConfig) and not overrides:
        return config
    pairs = []
    if isinstance(config, _core.SimConfig):
        raise ValueError("config: pass the INI path or a dict to combine a config with overrides")
    if isinstance(config, (str, os.PathLike)):
        pairs += _pairs_of_file(os.fspath(config))
    elif isinstance(config, dict):
        pairs += [(str(k), _text(v)) for k, v in config.items()]
    elif config is not None:
        raise ValueError(f"config: expected a file path, a dict or None, got {type(config).__name__}")
    pairs += [(k.replace("__", "."), _text(v)) for k, v in overrides.items()]
    return _core.SimConfig(pairs)


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)
