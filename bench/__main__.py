"""`python -m bench`: run every benchmark."""
from .bench_recompute import main

if __name__ == "__main__":
    main()
