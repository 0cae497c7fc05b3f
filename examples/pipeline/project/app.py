def main():
    # TODO: read settings from a file
    print("hello")
