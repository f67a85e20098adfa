"""The layer check (tools/check-layers): the tree passes it, and it refuses what ARCHITECTURE.md forbids."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, 'tools', 'check-layers')
FOLDERS = [line.split('`')[1].rstrip('/') for line in open(os.path.join(ROOT, 'ARCHITECTURE.md'))
           if line.startswith('| `')]


def run_check(root):
    return subprocess.run([CHECK, root], capture_output=True, text=True, check=False)


@pytest.fixture
def tree_copy(tmp_path):
    shutil.copy(os.path.join(ROOT, 'ARCHITECTURE.md'), tmp_path)
    for folder in FOLDERS:
        shutil.copytree(os.path.join(ROOT, folder), tmp_path / folder)
    return tmp_path


def test_the_tree_keeps_its_layers():
    done = run_check(ROOT)
    assert done.returncode == 0, done.stdout


def test_an_upward_include_is_refused(tree_copy):
    with open(tree_copy / 'core' / 'sched.c', 'a') as f:
        f.write('#include "synic/hv.h"\n')
    done = run_check(str(tree_copy))
    assert done.returncode == 1
    assert 'core/sched.c' in done.stdout and '"synic/"' in done.stdout


def test_a_folder_missing_from_the_table_is_refused(tree_copy):
    (tree_copy / 'extra').mkdir()
    (tree_copy / 'extra' / 'x.c').write_text('')
    done = run_check(str(tree_copy))
    assert done.returncode == 1 and 'extra/: not in the layer table' in done.stdout


def test_a_cycle_in_the_table_is_refused(tree_copy):
    text = (tree_copy / 'ARCHITECTURE.md').read_text()
    row = next(line for line in text.splitlines() if line.startswith('| `lib/`'))
    (tree_copy / 'ARCHITECTURE.md').write_text(text.replace(row, row[:-2] + '`core/` |'))
    done = run_check(str(tree_copy))
    assert done.returncode == 1 and 'cycle' in done.stdout


def test_a_crowded_folder_is_refused(tree_copy):
    for i in range(26 - len(os.listdir(tree_copy / 'smp'))):
        (tree_copy / 'smp' / f'extra{i}.h').write_text('')
    done = run_check(str(tree_copy))
    assert done.returncode == 1 and 'smp/: 26 files' in done.stdout
