from guoku.cli import main

raise SystemExit(main())
