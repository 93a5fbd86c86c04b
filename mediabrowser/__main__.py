from mediabrowser.launch import main

raise SystemExit(main())
