def retry(func, *args):
    for _ in range(3):
        try:
            return func(*args)
        except OSError:
            pass
    return None
