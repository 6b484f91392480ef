// Wide global pooling's reduction (global_pool.comp, global_pool_i8.comp):
// one workgroup of 64 per plane of n values, each invocation combining
// every 64th value from acc, then a tree in shared memory; returns the
// plane's result to every invocation, and its plane in *plane (planes
// past nc: a workgroup with nothing to read). The includer defines
// PR_T, PR_VALUE(i) (element i of X as a PR_T) and combine(a, b).
shared PR_T part[64];

PR_T reduce_plane(uint nc, uint n, PR_T acc, out uint plane)
{
	uint lid = gl_LocalInvocationID.x;

	plane = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
	if (plane < nc)
		for (uint k = lid; k < n; k += 64u)
			acc = combine(acc, PR_VALUE(plane * n + k));
	part[lid] = acc;
	barrier();
	for (uint s = 32u; s > 0u; s >>= 1) {
		if (lid < s)
			part[lid] = combine(part[lid], part[lid + s]);
		barrier();
	}
	return part[0];
}
