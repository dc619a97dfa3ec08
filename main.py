"""Android entry point: python-for-android (buildozer.spec) starts main.py at the root of source.dir."""

from mobile.__main__ import main

main()
