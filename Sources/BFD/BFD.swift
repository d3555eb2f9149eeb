// SPDX-License-Identifier: Apache-2.0
// Placeholder: BFD (issue #8) lands here.
