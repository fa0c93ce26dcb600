from podnet.cli.main import entry

entry()
