/**
 * Where the region comes from, in the order the AWS SDK itself reads it: Lambda sets AWS_REGION;
 * AWS_DEFAULT_REGION is the CLI's name, common on laptops and CI. The one list of these names.
 */
export const REGION_VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const;
export type RegionVariable = (typeof REGION_VARIABLES)[number];

/** The first region variable that is set (non-empty), read through `read`. */
export function regionFrom(read: (name: RegionVariable) => string | undefined): string | undefined {
  for (const name of REGION_VARIABLES) {
    const value = read(name);
    if (value) return value;
  }
  return undefined;
}
