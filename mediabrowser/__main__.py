from mediabrowser.cli import main

raise SystemExit(main())
