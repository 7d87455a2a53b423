// Empty program for the start-up benchmark.
