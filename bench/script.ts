/** Runs one benchmark file as a script: prints its result (JSON unless told otherwise), exit code 1 on error. */
export function printResult<T>(result: Promise<T>, format: (r: T) => string = (r) => JSON.stringify(r, null, 2)): void {
  result.then(
    (r) => console.log(format(r)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
