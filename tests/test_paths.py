"""A clone whose path has a space in it: every path the harness writes into
an emulator's configuration is quoted (Bochs' bochsrc), so the emulator
opens the right files. The hello scenario boots from such a folder."""
import shutil

from harness import console
from harness.build import Build
from harness.scenario import load_scenario
from harness.target import load_target

ON = [("vmx", "hello"), ("svm-bochs", "hello"), ("arm64", "hello")]


def test_a_folder_with_a_space_in_its_name(built_case, tmp_path):
    target, scenario = load_target(built_case[0]), built_case[1]
    folder = tmp_path / "my lab clone"
    folder.mkdir()
    image = Build(target).image(scenario)
    copy = folder / image.name
    shutil.copyfile(image, copy)
    result = console.run(target.launch(copy, folder / "run"),
                         load_scenario(scenario, target.arch, target.name), folder / "console.log")
    assert "hv: all VMs stopped" in result.lines
